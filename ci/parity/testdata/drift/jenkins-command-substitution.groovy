// Parity-test fixture (not this repository's pipeline).
node('docker') {
    stage('Install Dagger') {
        sh 'curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR="$HOME/.local/bin" DAGGER_VERSION=0.19.7 sh'
    }
    stage('Check') {
        sh 'dagger call check'
    }
    stage('Plan') {
        sh '''
            dagger call aws \
              --access-key-id=env://AWS_ACCESS_KEY_ID \
              --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
              --session-token=env://AWS_SESSION_TOKEN \
              --region="$AWS_REGION" \
              environment \
              --name="$EVENTMALL_ENVIRONMENT" \
              --state-bucket="$TF_STATE_BUCKET" \
              --lock-table="$TF_LOCK_TABLE" \
              plan > plan.md
        '''
    }
    stage('Deploy') {
        sh '''
            dagger call aws \
              --access-key-id=env://AWS_ACCESS_KEY_ID \
              --secret-access-key=env://AWS_SECRET_ACCESS_KEY \
              --session-token=env://AWS_SESSION_TOKEN \
              --region="$(cat \
              environment \
              --name="$EVENTMALL_ENVIRONMENT" \
              --state-bucket="$TF_STATE_BUCKET" \
              --lock-table="$TF_LOCK_TABLE" \
              --slack-token=env://SLACK_BOT_TOKEN \
              --slack-channel="$SLACK_CHANNEL" \
              deploy \
              region.txt)" \
              summary
        '''
    }

}
